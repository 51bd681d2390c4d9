// JSON that keeps float32 arrays bit for bit (base64 of their bytes), for rank results that cross a process boundary.
export const encodeResult = (value: unknown): string =>
  JSON.stringify(value, (_, v) => (v instanceof Float32Array ? { f32: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } : v));

export const decodeResult = <A>(text: string): A =>
  JSON.parse(text, (_, v) => {
    if (v && typeof v === 'object' && typeof v.f32 === 'string') {
      const bytes = Buffer.from(v.f32, 'base64');
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    return v;
  });
