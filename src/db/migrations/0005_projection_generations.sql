-- Generation numbers of projection rebuilds come from a sequence, so two rebuilds started together never build
-- into, or drop, the same schema.
CREATE SEQUENCE projections.generation_numbers START 2;
