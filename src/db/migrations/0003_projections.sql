-- Projections keep their tables in one schema per generation (proj_<name>_<generation>); the registry names
-- the generation readers use. A rebuild fills a new generation and switches the registry and the reporting
-- views in one transaction once it has caught up, so readers never see a half-built model.
CREATE SCHEMA projections;

CREATE TABLE projections.registry (
  name          text PRIMARY KEY,
  version       integer NOT NULL,
  generation    integer NOT NULL,
  active_schema text    NOT NULL UNIQUE,
  switched_at   timestamptz NOT NULL DEFAULT now()
);

-- The stable contract for reporting jobs: views over the active generation of every projection.
CREATE SCHEMA reporting;
