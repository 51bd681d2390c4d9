// Element types. All are stored as 32-bit floats on every backend; i32 values are exact below 2^24.
export type DType = 'f32' | 'i32' | 'bool';

export const isNumeric = (d: DType): boolean => d === 'f32' || d === 'i32';
