// The activations view: a histogram of the node's values on the probe batch, their mean,
// range, and the shares of units switched off and saturated.
import { deadLabel, num, statsOf } from "../../../probes/unpack";
import { fmt, percent, ProbePanel } from "../ProbePanel";
import { Histogram } from "./Histogram";
import { panelOf, type ViewProps } from "./view";

export function ActivationsPanel(props: ViewProps) {
  const { node } = props;
  return (
    <ProbePanel testId="panel-activations" title="Activations" what="activation statistics" {...panelOf("activations", props)}>
      {(frame) => {
        const stats = statsOf(frame.header);
        const dead = num(frame.header.dead_fraction);
        const type = typeof frame.header.type === "string" ? frame.header.type : null;
        const off = deadLabel(type);
        const saturated = num(frame.header.saturated_fraction);
        return (
          <>
            <Histogram frame={frame} label={`values of ${node} on 64 test samples`} testId="activations-histogram" />
            <dl className="facts probe-facts">
              <dt>mean ± std</dt>
              <dd data-testid="activations-mean">
                {fmt(stats.mean)} ± {fmt(stats.std)}
              </dd>
              <dt>range</dt>
              <dd>
                {fmt(stats.min)} … {fmt(stats.max)}
              </dd>
              {dead !== null && (
                <>
                  <dt title={off.title} data-testid="activations-dead-label">
                    {off.label}
                  </dt>
                  {/* Only a ReLU's are lost for good. */}
                  <dd className={dead > 0.5 && off.label === "dead units" ? "bad" : undefined} data-testid="activations-dead">
                    {percent(dead)}
                  </dd>
                </>
              )}
              {saturated !== null && (
                <>
                  <dt title="values within 1% of the ends of the range">saturated</dt>
                  <dd className={saturated > 0.5 ? "bad" : undefined}>{percent(saturated)}</dd>
                </>
              )}
            </dl>
          </>
        );
      }}
    </ProbePanel>
  );
}
