// Types of stripped-sources.js (plain JavaScript: it runs before any TypeScript may load).

/** The copy's key: every source's path, size and mtime, the Node version, package.json and the module itself. */
export function sourceKey(srcDir: string): string;
/** Writes `srcDir`'s files into `outDir/src`, `.ts` stripped to `.js`, with `packageJson` at `outDir`. */
export function stripTree(srcDir: string, outDir: string, packageJson: string): void;
/** The stripped copy of `root`'s src/ (made if missing); undefined when it cannot be had. */
export function strippedCopy(root?: string, cache?: string): string | undefined;
/** The URL to import for `src/<entry>`: inside the stripped copy when possible, else the source. */
export function strippedEntry(entry: string, root?: string, cache?: string): string;
