import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// `npm run dev` beside `npm start`, which serves the built example at /react/ of its example
// site (5173): `base: './'` makes the build's asset URLs relative so it works under any path.
export default defineConfig({
  base: './',
  plugins: [react()],
  server: { port: 5174, host: '127.0.0.1' },
})
