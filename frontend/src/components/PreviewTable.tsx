// The preview of a table with other than two features (an uploaded CSV): its first training
// rows, each with its class or value, under the CSV's own column names.
import type { TablePreview } from "../data/preview";
import "./Upload.css";
import { usePlayground } from "../context";

/** Rows shown (the preview holds up to 64). */
const SHOWN_ROWS = 8;

function cell(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export function TableRows({ preview }: { preview: TablePreview }) {
  const features = usePlayground((s) => s.catalog.datasets.find((d) => d.name === preview.name)?.upload?.features ?? null);
  const label = usePlayground((s) => s.catalog.datasets.find((d) => d.name === preview.name)?.upload?.label ?? "label");
  const columns = features?.length === preview.width ? features : Array.from({ length: preview.width }, (_, i) => `x${i + 1}`);
  const rows = preview.rows.slice(0, SHOWN_ROWS);
  return (
    <>
      <div className="preview-table-wrap">
        <table className="preview-table" data-testid="preview-table" data-rows={rows.length}>
          <thead>
            <tr>
              {columns.map((name) => (
                <th key={name} scope="col">
                  {name}
                </th>
              ))}
              <th scope="col">{label}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                {row.map((v, j) => (
                  <td key={j}>{cell(v)}</td>
                ))}
                <td>{preview.regression ? cell(preview.labels[i] ?? 0) : (preview.classNames[preview.labels[i] ?? 0] ?? String(preview.labels[i]))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="probe-note">
        the first {rows.length} training rows{preview.regression ? "" : " and their classes"} (features as the run sees them)
      </p>
    </>
  );
}
