import { createInterface } from "node:readline";
import { type SendRequest, SYNC_OVERLAP } from "@chat/shared";
import type {
  LoadgenCommand,
  LoadgenEvent,
  MeasurePlan,
  SessionConfig,
  StepResult,
  StormReport,
} from "../step.js";
import { SESSION_EVENT_PREFIX, syncPacket } from "./chat-protocol.js";
import { CounterProcess, type CounterReport } from "./counter-process.js";
import { NodeClients, nowUs, Tally } from "./node-clients.js";
import { clientFrame } from "./wire.js";

/**
 * The load generator, pinned to its own core, for one system: clients 0..senders-1 send, the next
 * `samplers` clients time what they receive, and the native counter holds and counts the rest (from
 * index senders + samplers on). It connects clients and runs measurements as the runner asks on stdin
 * (LoadgenCommand lines), answering with LoadgenEvent lines on stdout.
 *
 * Sends are open loop, each stamped with the time it was meant to leave, so a slow server cannot slow
 * the senders down and hide its own latency; a message that never arrives counts as infinitely late.
 */

/** Above this many churning users per session the indexes would run into the next session's: plenty. */
const CHURNER_INDEX_BASE = 1_000_000;

const emit = (event: LoadgenEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

class LoadGenerator {
  private readonly nodeClients: NodeClients;
  private counter: CounterProcess | null = null;
  private connected = 0;
  /** Across measurements, so every send has its own clientId (the chat server deduplicates by it). */
  private seq = 0;
  private nextChurner = CHURNER_INDEX_BASE;

  constructor(private readonly config: SessionConfig) {
    this.nodeClients = new NodeClients(config.port, config.protocol, CHURNER_INDEX_BASE);
  }

  /** How many clients the load generator runs itself; the counter holds the others. */
  private get ownClients(): number {
    return Math.min(this.connected, this.config.senders + this.config.samplers);
  }

  /**
   * Connects clients up to `target`: the senders first, then the samplers spread evenly among the
   * counter's clients. Servers write a broadcast in the order their clients connected: samplers all
   * connected first would time only the clients served first, the best case of a server that writes as
   * it loops.
   */
  async connect(target: number): Promise<void> {
    const { senders, samplers } = this.config;
    const firstCounted = senders + samplers;
    const ownTarget = Math.min(target, firstCounted);
    const toSenders = range(this.connected, Math.min(ownTarget, senders));
    if (toSenders.length > 0) await this.nodeClients.connect(toSenders);
    const toSamplers = range(Math.max(this.connected, senders), ownTarget);
    const counted = Math.max(0, this.connected - firstCounted);
    const toCount = Math.max(0, target - firstCounted - counted);
    if (toCount > 0) {
      this.counter ??= new CounterProcess(
        this.config.counterPath,
        this.config.port,
        this.config.protocol,
        firstCounted,
        this.config.resumesSessions ? SESSION_EVENT_PREFIX : null,
      );
    }
    // Sampler k of n in the middle of its n-th of the counter's clients.
    let countedSoFar = 0;
    for (const [k, sampler] of toSamplers.entries()) {
      const before = Math.round((toCount * (k + 0.5)) / toSamplers.length);
      if (before > countedSoFar) await this.counter?.connect(before - countedSoFar);
      countedSoFar = Math.max(countedSoFar, before);
      await this.nodeClients.connect([sampler]);
    }
    if (toCount > countedSoFar) await this.counter?.connect(toCount - countedSoFar);
    this.connected = Math.max(this.connected, target);
  }

  async measure(plan: MeasurePlan): Promise<StepResult> {
    const startUs = nowUs();
    const windowStartUs = startUs + plan.warmupMs * 1000;
    const leaveDelayUs = (plan.churn?.leaveAnnouncedAfterMs ?? 0) * 1000;
    const tally = new Tally(windowStartUs, windowStartUs + plan.measureMs * 1000, leaveDelayUs);
    this.nodeClients.tally = tally;
    const stopChurn = this.startChurn(plan);
    const window = this.watchWindow(plan);
    const sends =
      plan.messagesPerSecond > 0
        ? await this.sendOpenLoop(plan, tally, startUs, 1e6 / plan.messagesPerSecond)
        : { sent: 0, owedToSamplers: 0 };
    const { busy, counted } = await window;
    stopChurn();
    const drainEnd = Date.now() + plan.drainMs;
    while (tally.latency.count < sends.owedToSamplers && Date.now() < drainEnd) await sleep(20);
    return this.result(plan, tally, sends, busy, counted);
  }

  /**
   * Cuts the counter's clients (all but the senders and samplers) at once and times them back. With this
   * chat server each resumes, with `recover` asks for its connection back, and when not recovered syncs
   * from a margin before the newest message, as the web client does.
   */
  async storm(recover: boolean): Promise<StormReport> {
    if (!this.counter) throw new Error("a storm needs more clients than the senders and samplers");
    const newest = this.nodeClients.newestMessageId;
    const after = newest === null ? null : Math.max(0, newest - SYNC_OVERLAP);
    return this.counter.storm(recover, this.config.resumesSessions ? syncPacket(after) : null);
  }

  stop(): void {
    this.counter?.stop();
  }

  /** Tells the runner when the window opens and closes (it reads the server's CPU then); measures ours. */
  private async watchWindow(plan: MeasurePlan): Promise<{ busy: number; counted: CounterReport | null }> {
    await sleep(plan.warmupMs);
    await this.counter?.mark();
    const cpuAtStart = process.cpuUsage();
    const started = performance.now();
    emit({ event: "measure-start" });
    await sleep(plan.measureMs);
    emit({ event: "measure-end" });
    const own = process.cpuUsage(cpuAtStart);
    const counted = (await this.counter?.report()) ?? null;
    const micros = own.user + own.system + (counted?.cpuMicros ?? 0);
    return { busy: (100 * micros) / ((performance.now() - started) * 1000), counted };
  }

  /** Sends every message whose intended time has come, each sender's batch in one write, until the window ends. */
  private sendOpenLoop(plan: MeasurePlan, tally: Tally, startUs: number, intervalUs: number) {
    const { senders, textLength, echoToSender } = this.config;
    const clients = this.connected;
    const padding = "x".repeat(textLength);
    const samplersPerGroupMessage = this.ownClients - (echoToSender ? 0 : 1);
    const protocol = this.nodeClients.protocol;
    const sends = { sent: 0, owedToSamplers: 0 };
    let due = 0;
    return new Promise<typeof sends>((resolve) => {
      const tick = () => {
        const now = nowUs();
        const batches: string[][] = Array.from({ length: senders }, () => []);
        for (let intended = startUs + due * intervalUs; intended <= now && intended < tally.windowEndUs; ) {
          const seq = this.seq++;
          const sender = seq % senders;
          const recipient = senders + (seq % (clients - senders));
          const to = plan.pattern === "private" ? this.nodeClients.nameOf(recipient) : null;
          const stamp = Math.round(intended);
          const req: SendRequest = { to, text: `~${stamp}~${padding}`, clientId: `c${seq}` };
          (batches[sender] as string[]).push(protocol.send(req, this.nodeClients.nextAckId(sender)));
          if (tally.inWindow(stamp)) {
            sends.sent++;
            if (plan.pattern === "group") sends.owedToSamplers += samplersPerGroupMessage;
            else if (recipient < this.ownClients) sends.owedToSamplers++;
          }
          due++;
          intended = startUs + due * intervalUs;
        }
        batches.forEach((payloads, sender) => {
          if (payloads.length > 0) this.nodeClients.write(sender, Buffer.concat(payloads.map(clientFrame)));
        });
        if (startUs + due * intervalUs < tally.windowEndUs) setTimeout(tick, 1);
        else resolve(sends);
      };
      tick();
    });
  }

  /** New users arriving and leaving all through the measurement; returns how to stop them. */
  private startChurn(plan: MeasurePlan): () => void {
    const { churn } = plan;
    if (!churn) return () => {};
    const arrivals = setInterval(() => {
      const index = this.nextChurner++;
      this.nodeClients.open(index, `j${index}`);
      setTimeout(() => this.nodeClients.close(index), churn.stayMs);
    }, 1000 / churn.joinsPerSecond);
    return () => clearInterval(arrivals);
  }

  private result(
    plan: MeasurePlan,
    tally: Tally,
    sends: { sent: number; owedToSamplers: number },
    busy: number,
    counted: CounterReport | null,
  ): StepResult {
    const lost = Math.max(0, sends.owedToSamplers - tally.latency.count);
    tally.latency.addLost(lost);
    const clients = this.connected;
    const seconds = plan.measureMs / 1000;
    const deliveries = tally.chatFrames + (counted?.chatFrames ?? 0);
    const otherFrames = tally.otherFrames + (counted?.otherFrames ?? 0);
    const recipients = plan.pattern === "private" ? 1 : this.config.echoToSender ? clients : clients - 1;
    return {
      clients,
      sent: sends.sent,
      acked: tally.acked,
      refused: tally.refused,
      deliveries,
      deliveryRate: Math.round(deliveries / seconds),
      offeredRate: Math.round((sends.sent * recipients) / seconds),
      timed: tally.latency.count,
      lost,
      p50: tally.latency.quantile(0.5),
      p99: tally.latency.quantile(0.99),
      max: lost > 0 ? null : tally.latency.maxUs / 1000,
      loadgenBusy: Math.round(busy * 10) / 10,
      disconnects: this.nodeClients.disconnects + (counted?.closed ?? 0),
      otherFramesPerClient: otherFrames / clients,
      otherFrameBytes: otherFrames
        ? Math.round((tally.otherBytes + (counted?.otherBytes ?? 0)) / otherFrames)
        : 0,
      chatFrameBytes: deliveries ? Math.round((tally.chatBytes + (counted?.chatBytes ?? 0)) / deliveries) : 0,
      joins: tally.joins,
      leaves: tally.leaves,
    };
  }
}

const generator = new LoadGenerator(JSON.parse(process.argv[2] as string) as SessionConfig);
/** Commands run one at a time, in order. */
let queue: Promise<void> = Promise.resolve();
createInterface({ input: process.stdin })
  .on("line", (line) => {
    const command = JSON.parse(line) as LoadgenCommand;
    queue = queue.then(async () => {
      if (command.command === "connect") {
        await generator.connect(command.clients);
        emit({ event: "connected", clients: command.clients });
      } else if (command.command === "storm") {
        emit({ event: "stormed", result: await generator.storm(command.recover) });
      } else {
        emit({ event: "result", result: await generator.measure(command) });
      }
    });
    queue.catch((error: unknown) => {
      emit({ event: "failed", error: String(error) });
      generator.stop();
      process.exit(1);
    });
  })
  .on("close", () => {
    generator.stop();
    process.exit(0);
  });
