import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// `npm run dev` beside `npm start` (which serves the script-tag example on 5173).
export default defineConfig({
  plugins: [react()],
  server: { port: 5174, host: '127.0.0.1' },
})
