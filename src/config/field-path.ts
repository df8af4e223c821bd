/**
 * Where a value lives in an inbound request: `body:$.data.object.id`,
 * `body:$.items[0].id` or `header:X-Event-Id`.
 */
export type FieldPath = { from: 'body'; path: Array<string | number>; text: string } | { from: 'header'; name: string; text: string };

export function parseFieldPath(text: string): FieldPath | string {
  if (text.startsWith('header:')) {
    const name = text.slice('header:'.length).trim();
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return `"${text}" does not name a valid header`;
    return { from: 'header', name: name.toLowerCase(), text };
  }
  if (text.startsWith('body:')) {
    const expr = text.slice('body:'.length).trim();
    if (!expr.startsWith('$')) return `"${text}" must start with body:$`;
    const path: Array<string | number> = [];
    const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\]/y;
    let pos = 1;
    while (pos < expr.length) {
      re.lastIndex = pos;
      const match = re.exec(expr);
      if (!match) return `"${text}" cannot be read at position ${'body:'.length + pos}`;
      if (match[1] !== undefined) path.push(match[1]);
      else if (match[2] !== undefined) path.push(Number(match[2]));
      else path.push((match[3] ?? match[4]) as string);
      pos = re.lastIndex;
    }
    return { from: 'body', path, text };
  }
  return `"${text}" must be body:$.path or header:Name`;
}
