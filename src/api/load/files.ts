// Reads the files, directories and stdin the user named (`-f a.yaml -f dir/ -f -`) and parses them.
// Directories are walked recursively in sorted order so results are the same on every machine.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileIssue } from '../issue.ts';
import { type ParseResult, parseYaml } from './parse-yaml.ts';

const CONFIG_FILE = /\.(ya?ml|json)$/i;

export interface LoadResult extends ParseResult {
  /** The files actually read, in order ('-' for stdin). */
  files: string[];
}

function reason(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = String((err as { code: unknown }).code);
    if (code === 'ENOENT') return 'no such file or directory';
    if (code === 'EACCES') return 'permission denied';
    if (code === 'EISDIR') return 'is a directory';
  }
  return err instanceof Error ? err.message : String(err);
}

/** Lists config files under `dir`, recursively, sorted by name at each level. */
async function listConfigFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listConfigFiles(path)));
    else if (entry.isFile() && CONFIG_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

/**
 * Loads every document from `paths` (files, directories, or '-' for stdin, read once). Problems
 * reading a path are issues naming it, never exceptions.
 */
export async function loadFiles(paths: string[], readStdin: () => Promise<string>): Promise<LoadResult> {
  const result: LoadResult = { docs: [], issues: [], files: [] };
  const add = (text: string, file: string): void => {
    const parsed = parseYaml(text, file);
    result.docs.push(...parsed.docs);
    result.issues.push(...parsed.issues);
    result.files.push(file);
  };
  let stdinRead = false;
  for (const path of paths) {
    if (path === '-') {
      if (stdinRead) continue;
      stdinRead = true;
      add(await readStdin(), '-');
      continue;
    }
    try {
      const info = await stat(path);
      if (info.isDirectory()) {
        const files = await listConfigFiles(path);
        if (files.length === 0) {
          result.issues.push(fileIssue(path, 1, 'directory has no .yaml, .yml or .json files'));
        }
        for (const file of files) add(await readFile(file, 'utf8'), file);
      } else {
        add(await readFile(path, 'utf8'), path);
      }
    } catch (err) {
      result.issues.push(fileIssue(path, 1, `cannot read ${path}: ${reason(err)}`));
    }
  }
  return result;
}
