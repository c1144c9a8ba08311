// The "end-to-end lag through the scaled pipeline" section of docs/benchmarks.md, written by
// bench/pipelineLag.mjs between two markers and kept by bench/run.mjs when it rewrites the rest
// of the file.

export const START = '<!-- pipeline-lag:start -->'
export const END = '<!-- pipeline-lag:end -->'

/** The marked section of `markdown`, markers included, or '' when it has none. */
export function pipelineLagSection(markdown) {
  const from = markdown.indexOf(START)
  const to = markdown.indexOf(END)
  return from >= 0 && to > from ? markdown.slice(from, to + END.length) : ''
}

/** `markdown` with its marked section replaced by `section` (appended when it has none). */
export function replacePipelineLagSection(markdown, section) {
  const old = pipelineLagSection(markdown)
  return old ? markdown.replace(old, section) : `${markdown.trimEnd()}\n\n${section}\n`
}
