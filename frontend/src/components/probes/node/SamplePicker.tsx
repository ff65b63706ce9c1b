// The test sample the views of one image show (the feature maps, the shift test): one
// probe option for all of them, stepped or typed.
import type { ReactNode } from "react";
import { useProbeOptions } from "../../../probes/useProbe";

/** The sample picker's range: the probe batch's samples (the test set has at least these). */
export const MAX_SAMPLE = 63;

/** The test sample the views of one image show (one option for all of them); `prefix` names its controls. */
export function SamplePicker({ prefix = "feature-maps", children }: { prefix?: string; children?: ReactNode }) {
  const [options, setOptions] = useProbeOptions();
  const set = (n: number) => setOptions({ sample: Math.max(0, Math.min(MAX_SAMPLE, Math.round(n))) });
  return (
    <div className="probe-controls">
      <label htmlFor={`${prefix}-sample`}>test sample</label>
      <button type="button" onClick={() => set(options.sample - 1)} disabled={options.sample <= 0} aria-label="previous sample" data-testid={`${prefix}-prev`}>
        ◀
      </button>
      <input
        id={`${prefix}-sample`}
        type="number"
        min={0}
        max={MAX_SAMPLE}
        step={1}
        value={options.sample}
        onChange={(e) => {
          const n = Number(e.target.value);
          if (e.target.value !== "" && Number.isFinite(n)) set(n);
        }}
        data-testid={`${prefix}-sample`}
      />
      <button type="button" onClick={() => set(options.sample + 1)} disabled={options.sample >= MAX_SAMPLE} aria-label="next sample" data-testid={`${prefix}-next`}>
        ▶
      </button>
      {children}
    </div>
  );
}
