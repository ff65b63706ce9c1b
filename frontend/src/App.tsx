// The playground's layout: palette | canvas over charts | run, layer, data and training panels.
import { useCallback, useEffect, useState } from "react";
import { ClassNotice } from "./classroom/ClassNotice";
import { ClassPanel } from "./classroom/ClassPanel";
import { SharedGrid } from "./classroom/SharedGrid";
import { useFollowClass } from "./classroom/useFollowClass";
import { JoinDialog } from "./classroom/JoinDialog";
import { Canvas } from "./components/Canvas";
import { Charts } from "./components/Charts";
import { DataPanel } from "./components/DataPanel";
import { LessonCard } from "./components/LessonCard";
import { Help } from "./components/Help";
import { Inspector } from "./components/Inspector";
import { ProbePair } from "./components/ProbePair";
import { Notice } from "./components/Notice";
import { Palette } from "./components/Palette";
import { RaceView } from "./components/RaceView";
import { NodePanels } from "./components/probes/NodePanels";
import { RunBanner } from "./components/RunBanner";
import { RunControls } from "./components/RunControls";
import { RunsList } from "./components/RunsList";
import { SpecErrors } from "./components/SpecErrors";
import { Toolbar } from "./components/Toolbar";
import { TrainingPanel } from "./components/TrainingPanel";
import { usePlayground, usePlaygroundContext } from "./context";
import { useCatalog } from "./hooks/useCatalog";
import { useHashSync } from "./hooks/useHashSync";
import { useKeyboard } from "./hooks/useKeyboard";
import { usePresentationMode } from "./hooks/usePresentationMode";
import { useRunAdoption } from "./hooks/useRunAdoption";
import { useValidation } from "./hooks/useValidation";

export function App() {
  const { store, controller, comparison } = usePlaygroundContext();
  const [help, setHelp] = useState(false);
  const toggleHelp = useCallback(() => setHelp((h) => !h), []);
  // The race covers the playground, which stays mounted: closing it shows the page as it was.
  const [race, setRace] = useState(false);
  const closeRace = useCallback(() => setRace(false), []);
  const retry = useCatalog(store);
  useValidation(store);
  useHashSync(store, controller);
  useRunAdoption(store, controller);
  useKeyboard(store, controller, toggleHelp);
  // In a class: read what the teacher set; a student's page follows it.
  useFollowClass();
  const catalogState = usePlayground((s) => s.catalogState);
  const catalogError = usePlayground((s) => s.catalogError);
  usePresentationMode();
  useEffect(() => () => controller.dispose(), [controller]);
  useEffect(() => comparison.start(), [comparison]);

  return (
    <div className="app">
      <Toolbar onHelp={toggleHelp} onRace={() => setRace(true)} />
      {catalogState === "error" && (
        <div className="banner failed" role="alert">
          Cannot reach the LayerLab server ({catalogError}). Is <code>layerlab serve</code> running?
          <button type="button" onClick={retry}>
            Retry
          </button>
        </div>
      )}
      <ClassPanel />
      <SharedGrid />
      <main className="workspace">
        <Palette />
        <div className="center">
          <RunBanner />
          <ClassNotice />
          <LessonCard />
          <div className="stage">
            <Canvas />
            <ProbePair />
          </div>
          {/* Messages show at the canvas's foot: over no chart or panel. */}
          <Notice />
          <SpecErrors />
          <Charts />
        </div>
        <aside className="side">
          <RunControls />
          <RunsList />
          <Inspector />
          <NodePanels />
          <DataPanel />
          <TrainingPanel />
        </aside>
      </main>
      {help && <Help onClose={toggleHelp} />}
      {race && <RaceView onClose={closeRace} />}
      <JoinDialog />
    </div>
  );
}
