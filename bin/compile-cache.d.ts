// Types of compile-cache.js (plain JavaScript: it runs before any TypeScript loads).

/** One directory per user, shared by every mesh, proxy and CLI run on the machine. */
export function compileCacheDir(): string;
/** Turns the compile cache on for the modules loaded from now on, unless NODE_COMPILE_CACHE did. */
export function enableCompileCache(): void;
/** Writes what this process compiled to the cache now, rather than at exit. */
export function flushCompileCache(): void;
