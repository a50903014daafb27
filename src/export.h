/* export.h — `hdsim export OUT.h5 --csv DIR`: tidy CSV tables of an output file. */
#ifndef HDSIM_EXPORT_H
#define HDSIM_EXPORT_H

/* argv: the arguments after `export`.  Returns an exit status (errors.h). */
int hd_export_main(int argc, char **argv);

#endif
