import { mountReact } from './reactApp.js'
import { mountVue } from './vueApp.js'

mountReact(document.querySelector('#react')!)
mountVue(document.querySelector('#vue')!)
