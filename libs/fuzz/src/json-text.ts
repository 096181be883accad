/**
 * JSON text the fuzzer can bend in ways JSON.stringify cannot: number literals
 * such as 1e309, -0 or 9007199254740993; duplicate keys; keys such as
 * '__proto__'; raw lone surrogates; unusual white space and escapes.
 */

/** Text written verbatim: a number literal, or syntax on purpose broken. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written with exactly these members in this order (duplicate keys allowed). */
export class JsonEntries {
  constructor(readonly entries: readonly (readonly [string, JsonNode])[]) {}
}

export type JsonNode = null | boolean | number | string | RawJson | JsonEntries | JsonNode[] | Doc;
export interface Doc {
  [key: string]: JsonNode;
}

export interface TextStyle {
  /** White space written between tokens (drawn per gap); none by default. */
  readonly gap?: () => string;
  /** Every string character as a \uXXXX escape: valid JSON in an unusual spelling. */
  readonly escapeAll?: boolean;
  /** Lone surrogates written raw rather than escaped (JSON.stringify escapes them). */
  readonly rawSurrogates?: boolean;
}

export function writeJson(node: JsonNode, style: TextStyle = {}): string {
  const gap = style.gap ?? (() => '');
  const write = (value: JsonNode): string => {
    if (value === null) return 'null';
    if (value instanceof RawJson) return value.text;
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`writeJson: ${value} has no JSON spelling; use RawJson`);
      return JSON.stringify(value);
    }
    if (typeof value === 'string') return writeString(value, style);
    const members = (entries: readonly (readonly [string, JsonNode])[]) =>
      `{${gap()}${entries.map(([key, member]) => `${writeString(key, style)}${gap()}:${gap()}${write(member)}`).join(`${gap()},${gap()}`)}${gap()}}`;
    if (value instanceof JsonEntries) return members(value.entries);
    if (Array.isArray(value)) return `[${gap()}${value.map(write).join(`${gap()},${gap()}`)}${gap()}]`;
    return members(Object.keys(value).map((key) => [key, value[key] as JsonNode] as const));
  };
  return `${gap()}${write(node)}${gap()}`;
}

function writeString(text: string, style: TextStyle): string {
  if (style.escapeAll) {
    let out = '"';
    for (let i = 0; i < text.length; i++) out += `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return `${out}"`;
  }
  if (!style.rawSurrogates) return JSON.stringify(text);
  // Only what JSON requires: quote, backslash and control characters.
  return `"${text.replace(/["\\\u0000-\u001f]/g, (c) => (c === '"' ? '\\"' : c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
}

/** A deep copy that keeps RawJson and JsonEntries (structuredClone would turn them into plain objects). */
export function cloneNode<T extends JsonNode>(node: T): T {
  if (node === null || typeof node !== 'object' || node instanceof RawJson) return node;
  if (node instanceof JsonEntries) return new JsonEntries(node.entries.map(([key, value]) => [key, cloneNode(value)] as const)) as T;
  if (Array.isArray(node)) return node.map((value) => cloneNode(value)) as T;
  const copy: Doc = {};
  for (const key of Object.keys(node)) setMember(copy, key, cloneNode(node[key] as JsonNode));
  return copy as T;
}

/** Sets an own member, even one named '__proto__' (plain assignment would set the prototype). */
export function setMember(target: Doc, key: string, value: JsonNode): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export type JsonPath = readonly (string | number)[];

export function getAt(root: JsonNode, path: JsonPath): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const step of path) {
    if (node === null || typeof node !== 'object' || node instanceof RawJson || node instanceof JsonEntries) return undefined;
    node = Array.isArray(node) ? node[step as number] : Object.hasOwn(node, step) ? node[step as string] : undefined;
  }
  return node;
}

/** Replaces the value at `path` (which must exist, except its last member). */
export function setAt(root: JsonNode, path: JsonPath, value: JsonNode): void {
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent[last as number] = value;
  else if (parent !== null && typeof parent === 'object' && !(parent instanceof RawJson) && !(parent instanceof JsonEntries)) {
    setMember(parent, String(last), value);
  } else throw new Error(`setAt: no container at ${path.slice(0, -1).join('.')}`);
}

export function deleteAt(root: JsonNode, path: JsonPath): void {
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(last as number, 1);
  else if (parent !== null && typeof parent === 'object' && !(parent instanceof RawJson) && !(parent instanceof JsonEntries)) {
    delete parent[String(last)];
  }
}

export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function jsonTypeOf(node: JsonNode): JsonType {
  if (node === null) return 'null';
  if (Array.isArray(node)) return 'array';
  if (node instanceof RawJson) return 'number';
  if (typeof node === 'object') return 'object';
  return typeof node as 'boolean' | 'number' | 'string';
}

/** Every path below `root` with the JSON type found there. */
export function typedPaths(root: JsonNode, prefix: JsonPath = []): { path: JsonPath; type: JsonType }[] {
  const out: { path: JsonPath; type: JsonType }[] = [];
  if (root === null || typeof root !== 'object' || root instanceof RawJson || root instanceof JsonEntries) return out;
  const children: [string | number, JsonNode][] = Array.isArray(root)
    ? root.map((value, index) => [index, value])
    : Object.keys(root).map((key) => [key, root[key] as JsonNode]);
  for (const [step, value] of children) {
    const path = [...prefix, step];
    out.push({ path, type: jsonTypeOf(value) }, ...typedPaths(value, path));
  }
  return out;
}

/** Pads a JSON text with trailing white space (still the same document) to exactly `bytes` UTF-8 bytes. */
export function padToBytes(text: string, bytes: number, pad = ' '): string {
  const missing = bytes - Buffer.byteLength(text, 'utf8');
  if (missing < 0) throw new RangeError(`padToBytes: the text already has ${bytes + -missing} bytes, more than ${bytes}`);
  return text + pad.repeat(Math.ceil(missing / pad.length)).slice(0, missing);
}
