// The local runner's bundle replaces the `level` package (LevelDB on disk, a native addon) with this module: its
// embedded DynamoDB-compatible server (dynalite) keeps the token budget ledger in memory (memory-level) and never
// opens a database on disk, so the native addon needs no bundling. Anything that tries gets a clear error.
class Level {
  constructor() {
    throw new Error('the local runner keeps its token budget ledger in memory: LevelDB on disk is not bundled');
  }
}
module.exports = { Level };
