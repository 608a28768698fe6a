/**
 * The newest group messages, held in memory for `sync`. After a reconnect every client asks for the
 * group's messages since a margin before the newest it saw (SYNC_OVERLAP), so in a reconnect storm
 * thousands ask for the same few hundred rows; read from SQLite, those rows were most of the storm's time
 * (`43-recent-group` in bench/results/notes.md). One process owns the database, and every group message
 * it stores passes through `add`, so what is held is exactly what is stored after `floor`.
 */
export class RecentGroup<Row extends { id: number }> {
  /** Every group message with a larger id is in `rows`. */
  private floor: number;

  /** `rows`: the newest group messages stored, oldest first, at most `capacity` of them. */
  constructor(
    private readonly rows: Row[],
    private readonly capacity: number,
  ) {
    this.floor = rows.length < capacity ? 0 : (rows[0] as Row).id - 1;
  }

  add(row: Row): void {
    if (row.id <= this.floor) return;
    // Appends resolve in id order, so this is almost always the end.
    let at = this.rows.length;
    while (at > 0 && (this.rows[at - 1] as Row).id > row.id) at--;
    this.rows.splice(at, 0, row);
    if (this.rows.length > this.capacity) this.floor = (this.rows.shift() as Row).id;
  }

  /** Up to `limit` group messages after `after`, oldest first; null when some may be older than those held. */
  after(after: number, limit: number): Row[] | null {
    if (after < this.floor) return null;
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.rows[middle] as Row).id > after) high = middle;
      else low = middle + 1;
    }
    return this.rows.slice(low, low + limit);
  }
}
