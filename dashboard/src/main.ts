import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './i18n'
import { installTracking } from './tracking'
import './dashboard.css'

const app = createApp(App).use(i18n)
installTracking(app)
app.mount('#app')
