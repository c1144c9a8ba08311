/** Debian's Chromium, or CHROMIUM_PATH. */
export declare const CHROMIUM_PATH: string
/** Flags for every launch: no sandbox (root in CI), no GPU, no QUIC, no background traffic. */
export declare const CHROMIUM_FLAGS: readonly string[]
