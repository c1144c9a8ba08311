import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The stats role serves the build at /dashboard/ (server-stub/src/dashboard/dashboardRoutes.ts);
// `npm run dev` proxies the API to `npm start`'s backend on 8080.
export default defineConfig({
  base: '/dashboard/',
  plugins: [vue()],
  define: {
    // vue-i18n's esm-bundler build: messages are plain strings compiled at run time without
    // eval (CSP-safe), no legacy API, no devtools in production.
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: { chunkSizeWarningLimit: 1024 },
  server: {
    port: 5176,
    host: '127.0.0.1',
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
})
