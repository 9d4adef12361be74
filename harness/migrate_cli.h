/* migrate_cli.h - `migprop migrate`: the executor on the command line. */
#ifndef MP_MIGRATE_CLI_H
#define MP_MIGRATE_CLI_H

/* Usage text of `migprop migrate`. */
extern const char mp_migrate_usage[];

/* Run `migprop migrate` with the arguments after "migrate".  Returns the
 * exit status: 0 done, 1 a migration failed or a check found a problem
 * (nothing half-applied), 2 usage, configuration or connection error. */
int mp_cmd_migrate(int argc, char **argv);

/* `migprop schema --db URL [--table T] [--ignore a,b] [--names]`: print
 * the database's schema in migprop's canonical form (the case-file schema
 * syntax), tracking table left out.  0, or 2 on a connection error. */
int mp_cmd_schema(int argc, char **argv);

#endif
