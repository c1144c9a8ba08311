// ECharts is imported per chart (echarts/core + what the views draw), not the full build:
// line, bar, funnel and Sankey with the grid, tooltip, legend and aria components.
import { use } from 'echarts/core'
import { BarChart, FunnelChart, LineChart, SankeyChart } from 'echarts/charts'
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([
  BarChart,
  FunnelChart,
  LineChart,
  SankeyChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  CanvasRenderer,
])

export { init, type EChartsType } from 'echarts/core'
export type { EChartsOption } from 'echarts'
