/** Files that print the snippet (or the hash), relative to the repository root. */
export declare const SNIPPET_FILES: string[]
/** The bundle whose hash the snippets carry, relative to the repository root. */
export declare const BUNDLE: string
/** `sha384-<base64>` of a file, as `integrity` wants it. */
export declare const integrityOf: (path: string) => string
/** Each snippet file as it reads and as it should read. */
export declare function snippetFiles(): { file: string; current: string; expected: string }[]
