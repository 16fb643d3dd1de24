/* main.c — placeholder until the CLI lands. */
#include "kg.h"
int main(void) { return 0; }
