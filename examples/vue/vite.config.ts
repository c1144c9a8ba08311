import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// `npm run dev` beside `npm start`, which serves the built example at /vue/ of its example
// site (5173): `base: './'` makes the build's asset URLs relative so it works under any path.
export default defineConfig({
  base: './',
  plugins: [vue()],
  server: { port: 5175, host: '127.0.0.1' },
})
