import { defineAsyncComponent } from 'vue'

/**
 * The chart component, loaded on first use: ECharts is most of the dashboard's JavaScript, and
 * a view's numbers (cards, tables) show without waiting for it.
 */
export const LazyChart = defineAsyncComponent(() => import('./EChart.vue'))
