/**
 * The type of a field in the tracking plan: a JSON type, `integer` (a whole number), or an
 * enum given as the list of allowed values.
 */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | readonly (string | number)[]

/** One extra field of an event, as the tracking plan describes it. */
export interface FieldSpec {
  /** The field's type; a list means an enum of exactly these values. */
  readonly type: FieldType
  /**
   * Whether every event of this name must carry the field. A required string must not be
   * empty (§八: 必填字段不得为空). `null` counts as absent.
   * @default false
   */
  readonly required?: boolean
  /** The smallest allowed value of a `number` or `integer` field. */
  readonly min?: number
  /** What the field holds, for people reading the plan. */
  readonly description: string
}

/** One event of the tracking plan. */
export interface EventSpec {
  /** When the event fires and what it counts. */
  readonly description: string
  /** The event's extra fields (`properties`), by name. */
  readonly fields: Readonly<Record<string, FieldSpec>>
}

/** The tracking plan as data: every known event and its fields. */
export interface TrackingPlan {
  /** The events of the plan, by event name. */
  readonly events: Readonly<Record<string, EventSpec>>
}

/** What {@link extendPlan} adds to a plan. */
export interface PlanExtension {
  /** New events, by name. A name already in the base plan is a programmer error. */
  readonly events?: Readonly<Record<string, EventSpec>>
  /**
   * New optional or required fields for events already in the base plan, by event name and
   * field name. Redefining an existing field is a programmer error.
   */
  readonly fields?: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>
}

/** The TypeScript type of values of a field of type `T`. */
export type FieldValue<T extends FieldType> = T extends 'string'
  ? string
  : T extends 'number' | 'integer'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends readonly (infer V)[]
        ? V
        : never

/** Flattens an intersection into one object type, for readable hovers and exact comparisons. */
type Simplify<T> = { [K in keyof T]: T[K] } & {}

type RequiredKeys<F> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F]

/** The `properties` type of an event spec written `as const`. */
export type PropertiesOfEvent<E extends EventSpec> = Simplify<
  {
    -readonly [K in RequiredKeys<E['fields']>]: FieldValue<E['fields'][K]['type']>
  } & {
    -readonly [K in Exclude<keyof E['fields'], RequiredKeys<E['fields']>>]?: FieldValue<
      E['fields'][K]['type']
    >
  }
>

/**
 * The event-to-properties map of a plan written `as const`, for apps that write the plan data
 * first: `interface EventProperties extends PropertiesOfPlan<typeof myPlan> {}`.
 */
export type PropertiesOfPlan<P extends TrackingPlan> = {
  -readonly [N in keyof P['events']]: PropertiesOfEvent<P['events'][N]>
}
