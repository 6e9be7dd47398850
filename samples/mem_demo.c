/* Placeholder until the memory layer lands: prints the library version. */
#include <stdio.h>

#include "sensorpipe.h"

int main(void)
{
    printf("sensorpipe: %s\n", sp_status_str(SP_OK));
    return 0;
}
