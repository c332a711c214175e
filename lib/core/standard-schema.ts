/**
 * The Standard Schema v1 interface (https://standardschema.dev), declared here as types only so
 * `@eventHandler({ params: schema })` takes a zod, valibot, arktype… schema — or one written by
 * hand — without djust-lite depending on any of them. A schema is an object whose
 * `~standard.validate(value)` answers `{ value }` or `{ issues }`, or a promise of either.
 *
 * @example
 * const Id: StandardSchemaV1<unknown, { id: number }> = {
 *   '~standard': {
 *     version: 1,
 *     vendor: 'by-hand',
 *     validate: (v) => typeof (v as { id?: unknown }).id === 'number' ? { value: v as { id: number } } : { issues: [{ message: 'id: a number', path: ['id'] }] },
 *   },
 * };
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

// A namespace of types only, as the Standard Schema spec publishes them (nothing at runtime).
export declare namespace StandardSchemaV1 {
  /** What `~standard` holds. */
  export interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    /** The library that made the schema (`'zod'`, `'valibot'`…). */
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** Only for type inference: never read at runtime. */
    readonly types?: Types<Input, Output> | undefined;
  }
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  export interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  export interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  export interface Issue {
    readonly message: string;
    /** Where in the value: keys and indexes, each bare or as `{ key }`. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  export interface PathSegment {
    readonly key: PropertyKey;
  }
  export interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}

/** What a handler with `@eventHandler({ params: schema })` receives: the schema's output type. */
export type InferParams<Schema extends StandardSchemaV1> = StandardSchemaV1.InferOutput<Schema>;

/** True for an object with `~standard.version === 1` and a `~standard.validate` function. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return typeof props === 'object' && props !== null && (props as { version?: unknown }).version === 1 && typeof (props as { validate?: unknown }).validate === 'function';
}
