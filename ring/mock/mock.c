#include <xfront/mock.h>
