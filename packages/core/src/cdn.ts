// Entry of the CDN bundle `trackpoint.min.js` (an IIFE with the global `Trackpoint`): every
// export of @trackpoint/core, and the async snippet's `window.trackpoint(...)` installed with
// the calls made before the bundle loaded replayed. Not part of the npm entry, so bundlers never
// see this side effect.
import { installSnippet } from './snippet'

export * from './index'

installSnippet()
