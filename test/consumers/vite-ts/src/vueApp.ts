import { createApp } from 'vue'
import { createTrackpoint } from '@trackpoint/vue'
import Card from './Card.vue'
import { tracker } from './tracker.js'

export const mountVue = (element: Element) =>
  createApp(Card).use(createTrackpoint({ tracker })).mount(element)
