// Loading configuration from YAML/JSON files, directories and stdin, with source lines.
export { type LoadResult, loadFiles } from './files.ts';
export { type ParseResult, parseYaml } from './parse-yaml.ts';
