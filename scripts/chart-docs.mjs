#!/usr/bin/env node
// Writes the values table of chart/README.md from chart/values.yaml.
//
// Every value is documented by a `# --` comment right above its key. A map with such a comment
// is one row (its children are its default); a map without one is a section whose children are
// rows. A value with no `# --` comment (itself or through such a map) is an error.
// The table goes between <!-- values:start --> and <!-- values:end --> in the README; types come
// from chart/values.schema.json.
//
//   node scripts/chart-docs.mjs            rewrite the table
//   node scripts/chart-docs.mjs --check    exit 1 if the README's table is stale
//   options: --values FILE --readme FILE --schema FILE (defaults: the chart's own files)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, parseDocument } from 'yaml';

const START = '<!-- values:start -->';
const END = '<!-- values:end -->';
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A node of chart/values.schema.json, as far as the table reads it.
 * @typedef {object} SchemaNode
 * @property {string} [$ref]
 * @property {Record<string, SchemaNode>} [properties]
 * @property {unknown[]} [enum]
 * @property {string | string[]} [type]
 */
/** @typedef {{ key: string, value: unknown, description: string }} Row */

/** @param {string[]} argv */
function parseArgs(argv) {
  const options = {
    check: false,
    values: join(repoRoot, 'chart', 'values.yaml'),
    readme: join(repoRoot, 'chart', 'README.md'),
    schema: join(repoRoot, 'chart', 'values.schema.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') options.check = true;
    else if (arg === '--values' || arg === '--readme' || arg === '--schema') {
      const value = argv[++i];
      if (!value) throw new UsageError(`${arg} needs a file`);
      options[/** @type {'values' | 'readme' | 'schema'} */ (arg.slice(2))] = value;
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  return options;
}

class UsageError extends Error {}

/**
 * The `# --` description in a comment block, or undefined.
 * @param {string} comment
 */
function description(comment) {
  if (!comment) return undefined;
  const lines = comment.split('\n').map((line) => line.trim());
  const start = lines.findIndex((line) => line.startsWith('-- ') || line === '--');
  if (start === -1) return undefined;
  const text = [/** @type {string} */ (lines[start]).slice(2), ...lines.slice(start + 1)].join(' ');
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Rows {key, value, description} for every documented value; paths of undocumented ones.
 * @param {import('yaml').YAMLMap<unknown, unknown>} map
 * @param {string} prefix
 * @param {Row[]} rows
 * @param {string[]} missing
 */
function collect(map, prefix, rows, missing) {
  map.items.forEach((pair, index) => {
    // parseDocument makes every key and value a node (a Scalar has `value`), or null when empty
    const pairKey = /** @type {import('yaml').Node & { value?: unknown } | null} */ (pair.key);
    const key = String(pairKey?.value ?? pairKey);
    const path = prefix ? `${prefix}.${key}` : key;
    // yaml attaches the comment above a map's first key to the map itself.
    const comment = [index === 0 ? map.commentBefore : undefined, pairKey?.commentBefore]
      .filter(Boolean)
      .join('\n');
    const text = description(comment);
    const node = /** @type {import('yaml').Node | null} */ (pair.value);
    if (text !== undefined) {
      rows.push({ key: path, value: node?.toJSON() ?? null, description: text });
    } else if (isMap(node) && node.items.length > 0) {
      collect(node, path, rows, missing);
    } else {
      missing.push(path);
    }
  });
}

/**
 * @param {SchemaNode} schema
 * @param {string} path
 */
function schemaAt(schema, path) {
  /** @type {SchemaNode | undefined} */
  let node = schema;
  for (const key of path.split('.')) {
    node = resolve(schema, node)?.properties?.[key];
    if (!node) return undefined;
  }
  return resolve(schema, node);
}

/**
 * @param {SchemaNode} schema
 * @param {SchemaNode | undefined} node
 * @returns {SchemaNode | undefined}
 */
function resolve(schema, node) {
  if (node?.$ref?.startsWith('#/')) {
    return node.$ref
      .slice(2)
      .split('/')
      .reduce(
        // a JSON pointer walks free-form JSON: any step may be any value, or missing
        (/** @type {any} */ at, part) => at?.[part],
        schema,
      );
  }
  return node;
}

/**
 * @param {SchemaNode} schema
 * @param {Row} row
 */
function typeOf(schema, row) {
  const node = schemaAt(schema, row.key);
  if (node?.enum) return node.enum.map((value) => JSON.stringify(value)).join(', ');
  if (node?.type) return /** @type {string[]} */ ([]).concat(node.type).join(' or ');
  const value = row.value;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** @param {string} text */
function cell(text) {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** @param {unknown} value */
function code(value) {
  const json = JSON.stringify(value);
  // A backtick inside the value would end the code span early: use a longer fence.
  return json.includes('`') ? `\`\` ${json} \`\`` : `\`${json}\``;
}

/**
 * @param {string} valuesText
 * @param {SchemaNode} schema
 */
export function renderTable(valuesText, schema) {
  const doc = parseDocument(valuesText);
  const [firstError] = doc.errors;
  if (firstError) throw new Error(`values.yaml does not parse: ${firstError.message}`);
  if (!isMap(doc.contents)) throw new Error('values.yaml is not a map');
  /** @type {Row[]} */
  const rows = [];
  /** @type {string[]} */
  const missing = [];
  collect(doc.contents, '', rows, missing);
  const lines = [
    '| Key | Type | Default | Description |',
    '|-----|------|---------|-------------|',
    ...rows.map(
      (row) =>
        `| \`${row.key}\` | ${cell(typeOf(schema, row))} | ${cell(code(row.value))} | ${cell(row.description)} |`,
    ),
  ];
  return { table: lines.join('\n'), rows, missing };
}

/**
 * @param {string} readme
 * @param {string} table
 */
export function updateReadme(readme, table) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`the README has no ${START} ... ${END} markers`);
  }
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const schema = JSON.parse(readFileSync(options.schema, 'utf8'));
  const { table, missing } = renderTable(readFileSync(options.values, 'utf8'), schema);
  if (missing.length > 0) {
    console.error(`values without a "# --" comment in ${options.values}:`);
    for (const path of missing) console.error(`  ${path}`);
    return 1;
  }
  const readme = readFileSync(options.readme, 'utf8');
  const updated = updateReadme(readme, table);
  const shown = relative(process.cwd(), options.readme) || options.readme;
  if (options.check) {
    if (updated !== readme) {
      console.error(`${shown} is stale: run \`node scripts/chart-docs.mjs\``);
      return 1;
    }
    console.log(`${shown} is up to date`);
    return 0;
  }
  if (updated !== readme) writeFileSync(options.readme, updated);
  console.log(`${shown}: ${updated === readme ? 'already up to date' : 'values table written'}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main();
  } catch (error) {
    console.error(/** @type {Error} */ (error).message);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
