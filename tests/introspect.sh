# introspect.sh: a schema introspection written independently of migprop's
# db/ code, sourced by the real-history and feature-matrix tests.  It prints
# one sorted line per fact, so that two databases compare by `diff`:
#   introspect_sqlite FILE     an SQLite database file (catalog, pragmas and
#                              the CREATE text of tables, indexes, views and
#                              triggers)
#   introspect_pg CONNINFO [SCHEMA]
#                              a schema (default public) of a PostgreSQL
#                              database (pg_catalog queries, pg_get_*def())
# Facts: tables (kind, STRICT / WITHOUT ROWID / AUTOINCREMENT, persistence,
# partitioning, inheritance), columns by name (type, NOT NULL, default,
# identity, generated, collation), primary keys, UNIQUE / CHECK / FOREIGN KEY
# constraints with their actions and DEFERRABLE, indexes with their
# definition, views, materialized views, triggers, functions, sequences, enum
# and domain types, extensions.  Index, view, trigger and function names are
# part of their facts; constraint names (PostgreSQL) are facts of their own,
# lines "name ...", that introspect_unnamed leaves out: migprop may name a
# constraint it creates differently, which is no wrong structure but matters
# to a later migration that drops the constraint by name.  Columns are listed by name, not table order (the
# planner can only append a column; README "What migprop models").

# introspect_unnamed: the facts of stdin without the constraint names
introspect_unnamed() { grep -v '^name ' || true; }

# CREATE texts, one per line, with case, quoting and spacing normalised
# (lower case, no identifier quotes, one space, none around parentheses
# and commas)
_mp_norm_sql() {
  tr '\t' ' ' | tr 'A-Z' 'a-z' | sed -e 's/["`]//g' -e 's/\[//g' -e 's/\]//g' \
    -e 's/  */ /g' -e 's/ *( */(/g' -e 's/ *) */)/g' -e 's/ *, */,/g' -e 's/^ //' -e 's/ $//' \
    -e 's/ if not exists / /'
}

# lines "kind|name|table|normalised CREATE text" in, facts out: the text of
# indexes, views and triggers as it is; for a table the clauses the pragmas
# do not show: CHECK (...), COLLATE name, generated AS (...) and its kind,
# DEFERRABLE ..., STRICT and WITHOUT ROWID (string literals skipped)
_mp_sqlite_clauses() {
  awk -F'|' '
    function group(s, i,   d, j, c) {   # the balanced (...) starting at i
      d = 0
      for (j = i; j <= length(s); j++) {
        c = substr(s, j, 1)
        if (c == "(") d++
        else if (c == ")") { d--; if (d == 0) return substr(s, i, j - i + 1) }
      }
      return substr(s, i)
    }
    function unparen(s,   i, g, h) {   # ((x)) as (x); a trailing where(x) as where x
      for (i = 1; i < length(s); i++)
        if (substr(s, i, 2) == "((") {
          g = group(s, i); h = group(s, i + 1)
          if (length(h) == length(g) - 2) { s = substr(s, 1, i - 1) h substr(s, i + length(g)); i-- }
        }
      i = index(s, ")where(")
      if (i > 0 && length(group(s, i + 6)) == length(s) - i - 5)
        s = substr(s, 1, i) "where " substr(s, i + 7, length(s) - i - 7)
      return s
    }
    {
      kind = $1; name = $2; tbl = $3
      s = substr($0, length(kind) + length(name) + length(tbl) + 4)
      # an index key or predicate in redundant parentheses is the same index
      # (migprop writes ((lower(k))) and WHERE (p) for lower(k), WHERE p)
      if (kind == "index") s = unparen(s)
      if (kind != "table") { print kind "-sql " name " on " tbl ": " s; next }
      # blank out string literals so that keywords inside them do not count
      t = ""; q = 0; n = length(s)
      for (i = 1; i <= n; i++) { c = substr(s, i, 1); if (c == "\x27") q = !q; t = t (q && c != "\x27" ? "_" : c) }
      s = t
      p = index(s, "("); if (p == 0) next
      body = group(s, p); tail = substr(s, p + length(body))
      b = body
      while (match(b, /check\(/)) { g = group(b, RSTART + 5); print "clause " name ": check" g; b = substr(b, RSTART + 5 + length(g)) }
      b = body
      while (match(b, /collate [a-z0-9_]+/)) { print "clause " name ": " substr(b, RSTART, RLENGTH); b = substr(b, RSTART + RLENGTH) }
      b = body
      while (match(b, /as\(/)) {
        g = group(b, RSTART + 2); rest = substr(b, RSTART + 2 + length(g))
        k = "virtual"; if (rest ~ /^ ?stored/) k = "stored"
        print "clause " name ": generated" g " " k; b = rest
      }
      b = body
      while (match(b, /(not )?deferrable( initially (deferred|immediate))?/)) {
        print "clause " name ": " substr(b, RSTART, RLENGTH); b = substr(b, RSTART + RLENGTH)
      }
      if (tail ~ /strict/) print "clause " name ": option strict"
      if (tail ~ /without rowid/) print "clause " name ": option without rowid"
    }'
}

introspect_sqlite() {
  local db=$1
  {
    sqlite3 -bail "$db" <<'EOF'
.mode list
.separator |
SELECT 'table ' || l.name || ' type=' || l.type || ' strict=' || l.strict || ' without_rowid=' || l.wr
  || ' autoincrement=' || (instr(upper(s.sql), 'AUTOINCREMENT') > 0)
  FROM pragma_table_list() l JOIN sqlite_schema s ON s.name = l.name AND s.type IN ('table', 'view')
 WHERE l.schema = 'main' AND l.name NOT LIKE 'sqlite_%' AND l.type <> 'view';
SELECT 'column ' || s.name || '.' || c.name || ' type=' || upper(c.type) || ' notnull=' || c."notnull"
  || ' default=' || ifnull(c.dflt_value, '-') || ' hidden=' || c.hidden
  FROM sqlite_schema s, pragma_table_xinfo(s.name) c
 WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite_%';
SELECT 'pk ' || s.name || ' ('
  || (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info(s.name) WHERE pk > 0 ORDER BY pk)) || ')'
  FROM sqlite_schema s
 WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite_%'
   AND EXISTS (SELECT 1 FROM pragma_table_info(s.name) WHERE pk > 0);
SELECT 'fk ' || s.name || ' ('
  || (SELECT group_concat("from", ',') FROM (SELECT "from" FROM pragma_foreign_key_list(s.name) WHERE id = f.id ORDER BY seq))
  || ') -> ' || f."table" || ' ('
  || (SELECT group_concat(ifnull("to", (SELECT p.name FROM pragma_table_info(f."table") p WHERE p.pk = k.seq + 1)), ',')
        FROM (SELECT * FROM pragma_foreign_key_list(s.name) WHERE id = f.id ORDER BY seq) k)
  || ') on update ' || f.on_update || ' on delete ' || f.on_delete || ' match ' || f.match
  FROM sqlite_schema s, pragma_foreign_key_list(s.name) f
 WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite_%' AND f.seq = 0;
SELECT (CASE i.origin WHEN 'c' THEN 'index ' || i.name || ' on ' ELSE i.origin || '-index on ' END)
  || s.name || ' unique=' || i."unique" || ' partial=' || i.partial || ' ('
  || (SELECT group_concat(ifnull(x.name, '<expr>') || ' desc=' || x."desc" || ' coll=' || upper(x.coll), ',')
        FROM (SELECT * FROM pragma_index_xinfo(i.name) WHERE key = 1 ORDER BY seqno) x) || ')'
  FROM sqlite_schema s, pragma_index_list(s.name) i
 WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite_%' AND i.origin <> 'pk';
EOF
    # the CREATE text of tables, indexes, views and triggers
    sqlite3 -bail -separator '|' "$db" "SELECT type, name, tbl_name, replace(replace(sql, char(10), ' '), char(13), ' ')
      FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'" | _mp_norm_sql | _mp_sqlite_clauses
  } | LC_ALL=C sort
}

introspect_pg() {
  psql -X -q -At -v ON_ERROR_STOP=1 -v schema="${2:-public}" -d "$1" <<'EOF' | LC_ALL=C sort
-- unqualified names in pg_get_*def() output, whatever the schema
SELECT set_config('search_path', :'schema', false) \g /dev/null
WITH rel AS (
  SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relispartition, c.relrowsecurity, c.relpartbound
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = :'schema'
)
SELECT 'table ' || relname || ' kind=' || relkind::text || ' persistence=' || relpersistence::text
       || ' rls=' || relrowsecurity
       || CASE WHEN relkind = 'p' THEN ' partition by ' || pg_get_partkeydef(oid) ELSE '' END
       || CASE WHEN relispartition THEN ' partition ' || pg_get_expr(relpartbound, oid) ELSE '' END
       || coalesce(' inherits ' || (SELECT string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)
                                      FROM pg_inherits i WHERE i.inhrelid = rel.oid), '')
  FROM rel WHERE relkind IN ('r', 'p', 'f')
UNION ALL
SELECT 'column ' || r.relname || '.' || a.attname || ' type=' || format_type(a.atttypid, a.atttypmod)
       || ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
       || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
       || ' collation=' || CASE WHEN a.attcollation <> t.typcollation THEN coalesce(co.collname, '?') ELSE '-' END
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
 WHERE r.relkind IN ('r', 'p', 'f', 'v', 'm')
UNION ALL
SELECT 'constraint ' || r.relname || ' ' || pg_get_constraintdef(k.oid)
  FROM rel r JOIN pg_constraint k ON k.conrelid = r.oid
UNION ALL
SELECT 'name constraint ' || r.relname || ' ' || k.conname || ' ' || k.contype::text
  FROM rel r JOIN pg_constraint k ON k.conrelid = r.oid
UNION ALL
SELECT 'index ' || regexp_replace(pg_get_indexdef(x.indexrelid), ' ON [^ ]+\.', ' ON ')  -- table unqualified: schemas compare
  FROM rel r JOIN pg_index x ON x.indrelid = r.oid
 WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = r.oid)
UNION ALL
SELECT CASE relkind WHEN 'v' THEN 'view ' ELSE 'matview ' END || relname || ' ' || pg_get_viewdef(oid)
  FROM rel WHERE relkind IN ('v', 'm')
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(g.oid, true) || ' enabled=' || g.tgenabled::text
  FROM rel r JOIN pg_trigger g ON g.tgrelid = r.oid WHERE NOT g.tgisinternal
UNION ALL
SELECT 'policy ' || r.relname || ' ' || p.polname || ' ' || p.polcmd::text || ' ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-')
  FROM rel r JOIN pg_policy p ON p.polrelid = r.oid
UNION ALL
SELECT 'comment ' || r.relname || ' ' || d.objsubid || ' ' || d.description
  FROM rel r JOIN pg_description d ON d.objoid = r.oid AND d.classoid = 'pg_class'::regclass
UNION ALL
SELECT 'sequence ' || r.relname || ' ' || format_type(s.seqtypid, NULL) || ' start=' || s.seqstart
       || ' inc=' || s.seqincrement || ' min=' || s.seqmin || ' max=' || s.seqmax || ' cache=' || s.seqcache
       || ' cycle=' || s.seqcycle
       || coalesce(' owned by ' || (SELECT o.relname || '.' || a.attname FROM pg_depend dp
                                      JOIN pg_class o ON o.oid = dp.refobjid
                                      JOIN pg_attribute a ON a.attrelid = dp.refobjid AND a.attnum = dp.refobjsubid
                                     WHERE dp.classid = 'pg_class'::regclass AND dp.objid = r.oid
                                       AND dp.deptype IN ('a', 'i') LIMIT 1), '')
  FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid
UNION ALL
SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') kind=' || p.prokind::text
       -- the definition without the schema pg_get_functiondef() always names
       || CASE WHEN p.prokind IN ('f', 'p')
               THEN ' md5=' || md5(replace(pg_get_functiondef(p.oid), ' ' || quote_ident(:'schema') || '.', ' '))
               ELSE '' END
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = :'schema'
   AND NOT EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.classid = 'pg_proc'::regclass AND dp.objid = p.oid AND dp.deptype = 'e')
UNION ALL
SELECT 'type ' || t.typname || ' ' || t.typtype::text
       || CASE t.typtype
            WHEN 'e' THEN ' (' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
            WHEN 'd' THEN ' over ' || format_type(t.typbasetype, t.typtypmod) || ' notnull=' || t.typnotnull
                          || ' default=' || coalesce(t.typdefault, '-')
                          || coalesce(' ' || (SELECT string_agg(pg_get_constraintdef(k.oid), ' ' ORDER BY pg_get_constraintdef(k.oid))
                                                FROM pg_constraint k WHERE k.contypid = t.oid), '')
            ELSE '' END
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = :'schema' AND t.typtype IN ('e', 'd', 'c', 'r', 'm')
   AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
   AND NOT EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.classid = 'pg_type'::regclass AND dp.objid = t.oid AND dp.deptype = 'e')
UNION ALL
SELECT 'extension ' || e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname <> 'plpgsql' AND n.nspname = :'schema';
EOF
}
