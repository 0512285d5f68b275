/**
 * The plan as a graph: stages are nodes, dependencies edges, laid out left to right by dagre
 * and drawn by React Flow. Each node shows its state, weight, what its gate waits for and the
 * time spent in the stage; selecting one (click or Enter) opens its details.
 */
import dagre from '@dagrejs/dagre';
import {
  Background,
  Controls,
  type Edge,
  Handle,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo, useRef } from 'react';
import { duration, Status } from '../../ui/Status';
import type { Stage } from './types';

const WIDTH = 220;
const HEIGHT = 112;

type StageNode = Node<{ stage: Stage; selected: boolean; now: number }, 'stage'>;

function StageCard({ data }: NodeProps<StageNode>) {
  const { stage, selected, now } = data;
  return (
    <div
      className={`dag-node${selected ? ' selected' : ''}`}
      data-stage={stage.name}
      data-status={stage.status}
    >
      <Handle type="target" position={Position.Left} />
      <div className="dag-title">{stage.name}</div>
      <div className="dag-line">
        <span className="muted">{stage.strategy.replace(/_/g, ' ')}</span> <Status value={stage.status} />
      </div>
      <div className="dag-line">
        weight <strong>{stage.weight}%</strong> · {duration(stage.startedAt, stage.completedAt, now)}
      </div>
      {stage.waitingFor && <div className="dag-wait">waits for {stage.waitingFor}</div>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

const nodeTypes = { stage: StageCard };

export function layout(stages: Stage[]): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 60 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const s of stages) g.setNode(s.name, { width: WIDTH, height: HEIGHT });
  for (const s of stages)
    for (const d of s.dependencies) if (stages.some((o) => o.name === d)) g.setEdge(d, s.name);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const s of stages) {
    const n = g.node(s.name);
    out.set(s.name, { x: n.x - WIDTH / 2, y: n.y - HEIGHT / 2 });
  }
  return out;
}

export default function RunDag(props: {
  stages: Stage[];
  selected: string | null;
  onSelect: (name: string) => void;
}) {
  const { stages, selected, onSelect } = props;
  const shape = stages.map((s) => `${s.name}<${s.dependencies.join(',')}`).join('|');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the layout changes only with the plan's shape
  const positions = useMemo(() => layout(stages), [shape]);
  // Every live update builds new node objects; React Flow treats a node without `measured` as
  // not yet measured and hides it until its size is observed again, which may never happen (the
  // card's size did not change): the graph went blank mid-run. Keep what it measured.
  const measured = useRef(new Map<string, { width: number; height: number }>());
  const now = Date.now();
  const nodes: StageNode[] = stages.map((s) => ({
    id: s.name,
    type: 'stage',
    position: positions.get(s.name) ?? { x: 0, y: 0 },
    initialWidth: WIDTH,
    initialHeight: HEIGHT,
    ...(measured.current.has(s.name) ? { measured: measured.current.get(s.name) } : {}),
    data: { stage: s, selected: s.name === selected, now },
    ariaLabel: `stage ${s.name}: ${s.status}, weight ${s.weight}%${s.waitingFor ? `, waits for ${s.waitingFor}` : ''}`,
    connectable: false,
    draggable: false,
  }));
  const edges: Edge[] = stages.flatMap((s) =>
    s.dependencies.map((d) => ({
      id: `${d}->${s.name}`,
      source: d,
      target: s.name,
      // a thicker line, not an animated one: a marching dash repaints for as long as a run lasts
      style: s.status === 'running' ? { strokeWidth: 3 } : undefined,
    })),
  );
  return (
    <section className="dag" aria-label="Plan graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        minZoom={0.3}
        nodesConnectable={false}
        nodesDraggable={false}
        elementsSelectable
        onNodeClick={(_e, n) => onSelect(n.id)}
        onNodesChange={(changes) => {
          for (const c of changes) {
            if (c.type === 'select' && c.selected) onSelect(c.id);
            if (c.type === 'dimensions' && c.dimensions) measured.current.set(c.id, c.dimensions);
          }
        }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </section>
  );
}
