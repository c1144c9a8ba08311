/** The generated file of the dashboard's API types, committed. */
export declare const API_TYPES_FILE: string
/** The command that regenerates {@link API_TYPES_FILE}. */
export declare const REGENERATE_COMMAND: string
/** The server's OpenAPI document, built from the TypeScript source. */
export declare function loadOpenApiDocument(): Promise<Record<string, unknown>>
/** The text the generated file should have, from `document` (the server's when absent). */
export declare function renderApiTypes(document?: Record<string, unknown>): Promise<string>
/** Whether the committed file is what the generator makes now. */
export declare function apiTypesAreCurrent(): Promise<boolean>
