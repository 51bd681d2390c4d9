const DECL = /^\s*const ([A-Za-z_][A-Za-z0-9_]*) =/;
const IDENTS = /[A-Za-z_][A-Za-z0-9_]*/g;

/** Drop `const` statements nothing reads (index arithmetic emitted eagerly for axes never used). */
export const pruneDeadConsts = (lines: readonly string[], result: string): string[] => {
  const decl = lines.map((l) => DECL.exec(l)?.[1]);
  const refs = lines.map((l, i) => (l.match(IDENTS) ?? []).filter((id, k) => !(k === 1 && id === decl[i])));
  const uses = new Map<string, number>();
  const count = (ids: readonly string[], d: number) => ids.forEach((id) => uses.set(id, (uses.get(id) ?? 0) + d));
  refs.forEach((r) => count(r, 1));
  count(result.match(IDENTS) ?? [], 1);
  const alive = lines.map(() => true);
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = lines.length - 1; i >= 0; i--) {
      const name = decl[i];
      if (alive[i] && name !== undefined && !uses.get(name)) {
        alive[i] = false;
        count(refs[i], -1);
        changed = true;
      }
    }
  }
  return lines.filter((_, i) => alive[i]);
};
