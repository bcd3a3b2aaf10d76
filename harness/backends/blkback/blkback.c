#include <xfront/blkback.h>
