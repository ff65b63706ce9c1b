// On a student's page, when the teacher shares it: the class's grid, read only (no
// spotlight), folded to one line at first so that it takes no room from the playground.
import "./classroom.css";
import { useState } from "react";
import { ClassGrid } from "./ClassGrid";
import { useClassState } from "./classState";
import { useClassCredentials } from "./useClass";
import { useClassGrid } from "./useClassGrid";

/** A student's grid is read less often than the teacher's: forty of them share one server. */
const STUDENT_GRID_MS = 2000;

export function SharedGrid() {
  const creds = useClassCredentials();
  const state = useClassState();
  const shared = creds !== null && creds.role === "student" && state?.share_grid === true;
  if (!shared) return null;
  return <Shared classId={creds.class_id} token={creds.token} />;
}

function Shared({ classId, token }: { classId: string; token: string }) {
  const [open, setOpen] = useState(false);
  const grid = useClassGrid(classId, open, STUDENT_GRID_MS, token);
  return (
    <details className="panel class-shared-grid" data-testid="class-shared-grid" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>The class's runs</summary>
      {grid.problem && <p className="field-error">{grid.problem}</p>}
      {open && <ClassGrid rows={grid.rows} />}
    </details>
  );
}
