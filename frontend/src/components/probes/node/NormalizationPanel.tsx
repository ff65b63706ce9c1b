// The normalization view: which groupings of the batch a norm layer brings to mean 0 and
// spread 1, and which it leaves free, as a table with a caption naming the layer's own.
import { normalizationCaption, normalizationMeta, normalizationRows, sig2, type NormalizationRow, type ProbeFrame } from "../../../probes/unpack";
import { ProbePanel } from "../ProbePanel";
import { panelOf, type ViewProps } from "./view";

function NormalizationRowView({ row }: { row: NormalizationRow }) {
  return (
    <tr
      className={row.settled ? "settled" : undefined}
      data-testid={`normalization-row-${row.name}`}
      data-grouping={row.name}
      data-settled={row.settled ? "true" : "false"}
    >
      <th scope="row">{row.label}</th>
      <td>{sig2(row.before?.mean ?? null)}</td>
      <td>{sig2(row.before?.std ?? null)}</td>
      <td>{sig2(row.after?.mean ?? null)}</td>
      <td>{sig2(row.after?.std ?? null)}</td>
      <td className="settled-mark" title={row.settled ? "settled: mean 0, spread 1" : undefined}>
        {row.settled ? "✓" : ""}
      </td>
    </tr>
  );
}

function Normalization({ frame, node }: { frame: ProbeFrame; node: string }) {
  const meta = normalizationMeta(frame.header);
  const rows = normalizationRows(meta);
  if (rows.length === 0) return <p className="muted">This frame has no statistics.</p>;
  return (
    <>
      <table className="normalization-table" data-testid="normalization-table" aria-label={`Mean and spread of what enters ${node}, grouped four ways, before and after it normalizes`}>
        <thead>
          <tr>
            <th scope="col" rowSpan={2}>
              grouping
            </th>
            <th scope="colgroup" colSpan={2}>
              before
            </th>
            <th scope="colgroup" colSpan={2}>
              after
            </th>
            <th scope="col" rowSpan={2} aria-label="settled" />
          </tr>
          <tr>
            <th scope="col" title="mean |mean| of the groups">mean</th>
            <th scope="col" title="mean standard deviation of the groups">spread</th>
            <th scope="col" title="mean |mean| of the groups">mean</th>
            <th scope="col" title="mean standard deviation of the groups">spread</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <NormalizationRowView key={row.name} row={row} />
          ))}
        </tbody>
      </table>
      <p className="probe-note" data-testid="normalization-caption">
        {normalizationCaption(meta)}
      </p>
      <p className="probe-note">
        what enters {node} on {meta.samples ?? "the"} test samples, and the same normalized (before its learned scale and shift); ✓: mean 0 and
        spread 1
      </p>
    </>
  );
}

/** Which groupings of the batch the layer brings to mean 0 and spread 1, and which it leaves free. */
export function NormalizationPanel(props: ViewProps) {
  return (
    <ProbePanel testId="panel-normalization" title="Normalization" what="normalization statistics" {...panelOf("normalization", props)}>
      {(frame) => <Normalization frame={frame} node={props.node} />}
    </ProbePanel>
  );
}
