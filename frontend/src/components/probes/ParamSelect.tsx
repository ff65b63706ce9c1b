// The select of a probe option with a few values (a matrix's input side, the shift's
// pixels, the scenes' size): the value in use is listed even when it is not a choice.
import type { ReactNode } from "react";

interface Props {
  /** The select's id and test id. */
  id: string;
  label: ReactNode;
  value: number;
  choices: readonly number[];
  /** An option's text. */
  text: (n: number) => string;
  onChange: (n: number) => void;
}

/** A label and its select, the choices in order with the value in use among them. */
export function ParamSelect({ id, label, value, choices, text, onChange }: Props) {
  const listed = choices.includes(value) ? choices : [...choices, value].sort((a, b) => a - b);
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={id}>
        {listed.map((n) => (
          <option key={n} value={n}>
            {text(n)}
          </option>
        ))}
      </select>
    </>
  );
}

/** "6 × 6": a square's side as an option's text. */
export const square = (n: number): string => `${n} × ${n}`;
