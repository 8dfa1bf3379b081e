CREATE TABLE articles (
  id serial PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  title text NOT NULL,
  body text NOT NULL,
  author_id integer NOT NULL REFERENCES users (id),
  published_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX articles_by_author ON articles (author_id);
