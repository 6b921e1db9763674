-- Code, stars and the Hub's linked repos (issue 23): see enrich/github.py, enrich/hub_links.py.
-- A paper's repository is papers.github_repo (field_sources.github_repo says where it came
-- from when not from the paper's own sources: "arxiv-comment", "abstract", "member", "curator");
-- its latest star count and this week's growth are in papers.extra (github_stars,
-- github_stars_week), its linked models, datasets and Spaces in papers.extra.hub_links.

-- Every GitHub repository asked about, by the owner/name a paper gave (lower case): what it is
-- called now (after a 301 rename), its stars, and whether it is gone (404: not asked again).
CREATE TABLE github_repos (
    repo       text PRIMARY KEY,            -- owner/name as papers name it, lower case
    full_name  text,                        -- GitHub's owner/name now (differs after a rename)
    stars      integer CHECK (stars >= 0),
    gone       boolean NOT NULL DEFAULT false,
    checked    timestamptz NOT NULL DEFAULT now()
);

-- Star history: one count per repository and day (the last read of the day wins).
CREATE TABLE github_star_history (
    repo  text NOT NULL REFERENCES github_repos (repo) ON DELETE CASCADE,
    day   date NOT NULL,
    stars integer NOT NULL CHECK (stars >= 0),
    PRIMARY KEY (repo, day)
);
