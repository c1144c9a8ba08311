import { createApp } from 'vue'
import { createTrackpoint } from '@trackpoint/vue'
import App from './App.vue'
import { trackerOptions } from '../../shared/trackerOptions'
import '../../shared/onchain.css'

createApp(App).use(createTrackpoint(trackerOptions)).mount('#app')
