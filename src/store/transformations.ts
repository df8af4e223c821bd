import type { Transformation } from './records.ts';

/** A source's transformation set through the API (it wins over the YAML's). */
export interface SourceTransformation extends Transformation {
  source: string;
  updatedAt: number;
}

/** Transformations set at run time: on an endpoint (a column of it), and on a source by name. */
export interface TransformationStore {
  /** Sets (or, with `null`, removes) an endpoint's transformation; `false` when there is no such endpoint. */
  setEndpointTransformation(appId: string, endpointId: string, transformation: Transformation | null, now: number): Promise<boolean>;
  /** The transformation the API set on a source, if any. */
  getSourceTransformation(source: string): Promise<SourceTransformation | null>;
  /** Sets (or, with `null`, removes) a source's API transformation. */
  setSourceTransformation(source: string, transformation: Transformation | null, now: number): Promise<void>;
}
