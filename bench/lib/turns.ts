// The order of a cycle of turns, shared by bench:proxy's throughput turns and the latency
// generator's: rotated by one each cycle, so no target always goes first (or always follows the
// same one).

/** Cycle `cycle`'s order of `targets`. */
export function turnOrder<T>(targets: readonly T[], cycle: number): T[] {
  return targets.map((_, k) => targets[(k + cycle) % targets.length]!);
}
