/**
 * Replaces `${NAME}` and `${NAME:-fallback}` in every string of a parsed YAML
 * tree. Done on values after parsing, not on the file's text, so a variable's
 * content can never change the document's structure. `$${` stays a literal `${`.
 */
export function interpolate(node: unknown, env: Record<string, string | undefined>, problems: string[], path = ''): unknown {
  if (typeof node === 'string') return interpolateString(node, env, problems, path);
  if (Array.isArray(node)) return node.map((item, i) => interpolate(item, env, problems, `${path}[${i}]`));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = interpolate(value, env, problems, path ? `${path}.${key}` : key);
    }
    return out;
  }
  return node;
}

function interpolateString(text: string, env: Record<string, string | undefined>, problems: string[], path: string): string {
  return text.replace(/\$?\$\{([^}]*)\}/g, (whole, inner: string) => {
    if (whole.startsWith('$$')) return whole.slice(1);
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
    if (!match) {
      problems.push(`${path}: "\${${inner}}" is not a valid variable reference (use \${NAME} or \${NAME:-default})`);
      return whole;
    }
    const value = env[match[1] as string];
    if (value !== undefined && value !== '') return value;
    if (match[2] !== undefined) return match[2];
    problems.push(`${path}: environment variable ${match[1]} is not set`);
    return '';
  });
}
