#include <xfront/blkfront.h>
