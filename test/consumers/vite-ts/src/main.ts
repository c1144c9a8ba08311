import bundleUrl from '@trackpoint/core/trackpoint.min.js?url'
import { mountReact } from './reactApp.js'
import { mountVue } from './vueApp.js'

mountReact(document.querySelector('#react')!)
mountVue(document.querySelector('#vue')!)

// The CDN bundle's file, found through the package's `./trackpoint.min.js` export, for apps
// that self-host the script tag: Vite copies it into the build.
const script = document.createElement('script')
script.src = bundleUrl
document.head.append(script)
