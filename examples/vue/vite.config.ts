import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// `npm run dev` beside `npm start` (which serves the script-tag example on 5173).
export default defineConfig({
  plugins: [vue()],
  server: { port: 5175, host: '127.0.0.1' },
})
