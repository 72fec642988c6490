/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-ctl's subcommands kept in their own files. */
#ifndef VHOST_CTL_H
#define VHOST_CTL_H

int cmd_probe(int argc, char **argv);
int cmd_blk(int argc, char **argv);
int cmd_vdpa(int argc, char **argv);

#endif
